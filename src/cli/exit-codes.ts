/** Exit statuses of the faultline command, as the plugin contract fixes them. */
export const EXIT_OK = 0;
/** A violation was found (the report names the seed and the replay command). */
export const EXIT_VIOLATION = 1;
/** Bad usage, or a plugin that cannot be loaded. */
export const EXIT_USAGE = 2;
