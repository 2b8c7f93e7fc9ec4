/** Exit statuses of the faultline command, as the plugin contract fixes them. */
export const EXIT_OK = 0;
/** A violation was found (the report names the seed and the replay command). */
export const EXIT_VIOLATION = 1;
/** Bad usage, or a plugin that cannot be loaded. */
export const EXIT_USAGE = 2;
/**
 * No rule broke, but the runs exercised too little to mean it (a vacuous
 * pass: nothing acknowledged, or no power cut with acknowledged data at
 * stake). An addition to the contract's statuses; `--min-acknowledged 0
 * --min-cuts-at-stake 0` lowers the floors for plugins that legitimately
 * acknowledge nothing.
 */
export const EXIT_VACUOUS = 3;
