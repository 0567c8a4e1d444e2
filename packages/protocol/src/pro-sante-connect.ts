/** Wire types: Pro Santé Connect login and account linking. */
export {};
