/** Télé-expertise: requests, states and the billing acts table. */
export {};
