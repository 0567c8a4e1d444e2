/** Retention policies, legal holds and personal data rights (RGPD). */
export {};
