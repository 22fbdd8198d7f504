// Canonical Transform: converters and the mapping compiler (pure, no n8n).
export {};
