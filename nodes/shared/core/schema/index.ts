// Schema Guard: schema sources, validation, drift and contracts (pure, no n8n).
export {};
