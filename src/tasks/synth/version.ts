/**
 * Bumped whenever the same (seed, options) would produce different bytes. 3: hidden test
 * files with fresh inputs on by default (stores of version 2 have none; they are refused).
 */
export const SYNTH_VERSION = 3;
