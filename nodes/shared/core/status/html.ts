/** HTML and inline SVG helpers of the status page: every value from data goes through `esc`. */

const ENTITIES: Record<string, string> = {
	'&': '&amp;',
	'<': '&lt;',
	'>': '&gt;',
	'"': '&quot;',
	"'": '&#39;',
	'`': '&#96;',
};

/** Text or attribute value, escaped for HTML (also inside SVG): `<script>` shows as text. */
export function esc(value: unknown): string {
	const text = value === null || value === undefined ? '' : String(value);
	return text.replace(/[&<>"'`]/g, (character) => ENTITIES[character]);
}

/** A duration in seconds as words: "45 s", "12 min", "3 h 5 min", "2 d 4 h". */
export function duration(totalSeconds: number | null): string {
	if (totalSeconds === null || !Number.isFinite(totalSeconds)) return '–';
	const s = Math.max(0, Math.round(totalSeconds));
	if (s < 60) return `${s} s`;
	const minutes = Math.floor(s / 60);
	if (minutes < 60) return `${minutes} min`;
	const hours = Math.floor(minutes / 60);
	if (hours < 48) return minutes % 60 === 0 ? `${hours} h` : `${hours} h ${minutes % 60} min`;
	const days = Math.floor(hours / 24);
	return hours % 24 === 0 ? `${days} d` : `${days} d ${hours % 24} h`;
}

/** One formatter per number of decimals: toLocaleString builds a new one on every call. */
const FORMATS = new Map<number, Intl.NumberFormat>();

/** A number for display: at most `decimals` decimals, grouped thousands; '–' for null. */
export function num(value: number | null, decimals = 2): string {
	if (value === null || !Number.isFinite(value)) return '–';
	let format = FORMATS.get(decimals);
	if (!format) {
		format = new Intl.NumberFormat('en-US', { maximumFractionDigits: decimals });
		FORMATS.set(decimals, format);
	}
	return format.format(value);
}

export interface Bar {
	/** Label of the bar (a window, a bucket's time), shown as the bar's tooltip. */
	label: string;
	value: number;
	/** Part of the value drawn in the alert colour (failures of calls). */
	part?: number;
}

/**
 * Bars in an inline SVG, scaled to the largest value; each bar's title is its label and
 * value. Nothing is drawn for no bars: no chart invents data the store does not hold.
 */
export function barChart(
	bars: Bar[],
	options: { width?: number; height?: number; unit?: string } = {},
): string {
	if (bars.length === 0) return '';
	const width = options.width ?? 160;
	const height = options.height ?? 32;
	const max = Math.max(...bars.map((bar) => bar.value), 0);
	const step = width / bars.length;
	const gap = step > 4 ? 1 : 0;
	const unit = options.unit ? ` ${options.unit}` : '';
	const rects = bars
		.map((bar, index) => {
			const h = max > 0 ? Math.max(bar.value > 0 ? 1 : 0, (bar.value / max) * height) : 0;
			const p = max > 0 && bar.part ? (Math.min(bar.part, bar.value) / max) * height : 0;
			const x = (index * step).toFixed(2);
			const w = Math.max(0.5, step - gap).toFixed(2);
			const title = `<title>${esc(bar.label)}: ${esc(num(bar.value))}${esc(unit)}${bar.part ? ` (${esc(num(bar.part))} failed)` : ''}</title>`;
			return (
				`<g>${title}<rect class="bar" x="${x}" y="${(height - h).toFixed(2)}" width="${w}" height="${h.toFixed(2)}"/>` +
				(p > 0
					? `<rect class="bar-bad" x="${x}" y="${(height - p).toFixed(2)}" width="${w}" height="${p.toFixed(2)}"/>`
					: '') +
				'</g>'
			);
		})
		.join('');
	return `<svg class="chart" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${esc(bars.length)} bars">${rects}</svg>`;
}

/** A bar of `percent` of a limit (capped at 100 drawn), coloured by how close it is. */
export function meter(percent: number | null): string {
	if (percent === null) return '';
	const drawn = Math.max(0, Math.min(100, percent));
	const level = percent >= 100 ? 'bad' : percent >= 75 ? 'warn' : 'ok';
	return `<svg class="meter" viewBox="0 0 100 8" preserveAspectRatio="none" role="img" aria-label="${esc(num(percent))}%"><rect class="meter-bg" width="100" height="8" rx="2"/><rect class="meter-${level}" width="${drawn.toFixed(2)}" height="8" rx="2"/></svg>`;
}

export interface Segment {
	state: string;
	/** Epoch ms. */
	from: number;
	to: number;
}

/** A state timeline: one coloured band per stretch of time in a state, from stored changes only. */
export function timeline(segments: Segment[], width = 160, height = 10): string {
	const valid = segments.filter((segment) => segment.to > segment.from);
	if (valid.length === 0) return '';
	const start = valid[0].from;
	const span = valid[valid.length - 1].to - start;
	const bands = valid
		.map((segment) => {
			const x = ((segment.from - start) / span) * width;
			const w = ((segment.to - segment.from) / span) * width;
			return `<g><title>${esc(segment.state)} from ${esc(new Date(segment.from).toISOString())}</title><rect class="state-${esc(segment.state)}" x="${x.toFixed(2)}" y="0" width="${Math.max(0.5, w).toFixed(2)}" height="${height}"/></g>`;
		})
		.join('');
	return `<svg class="timeline" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" preserveAspectRatio="none" role="img" aria-label="state timeline">${bands}</svg>`;
}
