/** The trigger's outputs, declared once, in order: the panel and the poll's result derive from it. */
export const OUTPUT_NAMES = ['Records', 'Alerts'] as const;

export type OutputName = (typeof OUTPUT_NAMES)[number];
