/** Patient cases: the server's view (opaque ids) and the encrypted payloads' schemas. */
export {};
