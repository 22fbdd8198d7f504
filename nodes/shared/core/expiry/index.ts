// Credential Expiry Check: status maths, reminders, JWT dates, calendar, alert memory (pure, no n8n).
export * from './status';
export * from './reminders';
export * from './jwt';
export * from './dates';
export * from './ics';
export * from './alerts';
