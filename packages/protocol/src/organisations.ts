/** Wire types: Establishments, services and rosters, territories and their members. */
export {};
