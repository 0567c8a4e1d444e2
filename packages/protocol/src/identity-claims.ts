/** Wire types: RPPS/ADELI claims with a proof, and the operators' review queue. */
export {};
