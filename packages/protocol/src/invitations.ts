/** Wire types: Invitations by e-mail: a colleague's, or an administrator's who vouches for a listed professional. */
export {};
