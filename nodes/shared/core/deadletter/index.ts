// Dead Letter: failure classification, redaction, records (pure, no n8n).
export {};
