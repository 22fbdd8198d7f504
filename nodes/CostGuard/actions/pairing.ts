/** Version 1.2: Record Usage and Cache Store take Scope and Budget Name from their first node by default. */
export const PAIRING_VERSION = 1.2;
