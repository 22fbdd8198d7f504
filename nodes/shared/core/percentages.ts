/**
 * A list of percentages as users type them in a threshold field ("50, 75, 100%", with
 * commas, semicolons or spaces): sorted, without repeats, each above 0 and at most 1000.
 * Empty text is an empty list; what an empty list means is the caller's to say.
 */
export function parsePercentages(text: string): number[] {
	const values = new Set<number>();
	const parts = String(text)
		.split(/[,;\s]+/)
		.map((part) => part.trim().replace(/%$/, ''))
		.filter((part) => part !== '');
	for (const part of parts) {
		const value = /^\d{1,4}(\.\d{1,3})?$/.test(part) ? Number(part) : Number.NaN;
		if (!(value > 0 && value <= 1000))
			throw new RangeError(
				`"${part}" is not a threshold: use percentages above 0 and at most 1000, e.g. 50, 75, 100`,
			);
		values.add(value);
	}
	return [...values].sort((a, b) => a - b);
}
