/**
 * Largest answer file the integration function accepts: Step Functions' payload limit (256 KiB).
 * Apart from the integration function's module, so that `bellflower respond` checks a body against
 * it without importing the function (and the calls it makes).
 */
export const MAX_ANSWER_BYTES = 262_144;
