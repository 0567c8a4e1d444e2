/** Tables of the professional directory (see migrations/0003-directory.ts). */
export interface DirectoryTables {}
