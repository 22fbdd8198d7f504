import { barChart, duration, esc, meter, num, timeline, type Segment } from './html';
import type { BreakerStatusRow, GuardsSnapshot } from './types';

/**
 * The status page: one self-contained HTML document (inline CSS and SVG, no script, no
 * external resource; a Content-Security-Policy that forbids both), readable from a phone
 * to a laptop. Every value from the store is escaped. Charts only draw what the store
 * holds: breaker buckets and last change, budget and quota windows, queue classes.
 */
export interface RenderOptions {
	title?: string;
	/** Seconds between reloads (meta refresh); 0 or absent: none. */
	refreshSeconds?: number;
}

export const MAX_REFRESH_SECONDS = 86_400;

const CSS = `
:root{--bg:#f7f7f9;--fg:#1d1d22;--muted:#666a73;--card:#fff;--line:#e2e3e8;--ok:#2e8b57;--warn:#c98a00;--bad:#c62828;--info:#3d6fd8;--bar:#7a8cc2}
@media (prefers-color-scheme:dark){:root{--bg:#15161a;--fg:#e9e9ee;--muted:#a0a3ad;--card:#1f2026;--line:#33353d;--bar:#8fa0d8}}
*{box-sizing:border-box}body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:var(--bg);color:var(--fg)}
header,main{max-width:1180px;margin:0 auto;padding:12px 16px}header h1{margin:8px 0 2px;font-size:1.5rem}
.meta{color:var(--muted);font-size:.85rem;overflow-wrap:anywhere}
.tiles{display:grid;grid-template-columns:repeat(auto-fit,minmax(150px,1fr));gap:10px;margin:12px 0}
.tile{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:10px 12px}
.tile b{display:block;font-size:1.6rem;line-height:1.2}.tile span{color:var(--muted);font-size:.85rem}
.tile.bad b{color:var(--bad)}.tile.warn b{color:var(--warn)}
section{background:var(--card);border:1px solid var(--line);border-radius:8px;margin:14px 0;padding:4px 12px 10px}
section h2{font-size:1.1rem;margin:10px 0 6px}.empty,.note{color:var(--muted);font-size:.9rem}
.scroll{overflow-x:auto}table{border-collapse:collapse;width:100%;font-size:.9rem}
th,td{text-align:left;padding:6px 8px;border-bottom:1px solid var(--line);vertical-align:middle}
th{color:var(--muted);font-weight:600;white-space:nowrap}td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.name{font-weight:600;overflow-wrap:anywhere}.scope{color:var(--muted);font-size:.8rem;overflow-wrap:anywhere}
.badge{display:inline-block;padding:1px 8px;border-radius:10px;font-size:.8rem;font-weight:600;color:#fff;white-space:nowrap}
.b-closed,.b-ok{background:var(--ok)}.b-open,.b-forcedOpen,.b-bad,.b-expired{background:var(--bad)}.b-halfOpen,.b-warn,.b-due-soon,.b-critical{background:var(--warn)}.b-disabled{background:var(--muted)}
.chart .bar{fill:var(--bar)}.chart .bar-bad{fill:var(--bad)}
.meter{width:120px;height:8px;display:block}.meter-bg{fill:var(--line)}.meter-ok{fill:var(--ok)}.meter-warn{fill:var(--warn)}.meter-bad{fill:var(--bad)}
.timeline{display:block;margin-top:3px}.state-closed{fill:var(--ok)}.state-open,.state-forcedOpen{fill:var(--bad)}.state-halfOpen{fill:var(--warn)}.state-disabled{fill:var(--muted)}
.warnings{border-left:4px solid var(--warn);padding:6px 10px;background:var(--card);margin:10px 0}
@media (max-width:640px){body{font-size:14px}th,td{padding:5px 4px}.hide-s{display:none}.chart{max-width:110px;height:auto}}
`;

function badge(state: string): string {
	return `<span class="badge b-${esc(state.replace(/\s+/g, '-'))}">${esc(state)}</span>`;
}

function section(id: string, title: string, body: string, empty: string, count: number): string {
	return `<section id="${esc(id)}"><h2>${esc(title)}</h2>${count === 0 ? `<p class="empty">${esc(empty)}</p>` : body}</section>`;
}

function table(head: string[], rows: string[], hideOnSmall: number[] = []): string {
	const cls = (index: number) => (hideOnSmall.includes(index) ? ' class="hide-s"' : '');
	const header = head.map((cell, index) => `<th${cls(index)}>${esc(cell)}</th>`).join('');
	return `<div class="scroll"><table><thead><tr>${header}</tr></thead><tbody>${rows.join('')}</tbody></table></div>`;
}

function who(name: string, scope: string): string {
	return `<div class="name">${esc(name)}</div><div class="scope">${esc(scope)}</div>`;
}

/** The stretch before and after the breaker's last stored change, up to now. */
function breakerSegments(row: BreakerStatusRow, now: number): Segment[] {
	const firstBucket = row.buckets.length > 0 ? Date.parse(row.buckets[0].start) : null;
	if (row.lastChange === null) {
		const from = Math.min(Date.parse(row.since), firstBucket ?? Infinity);
		return [{ state: row.state, from, to: now }];
	}
	const at = Date.parse(row.lastChange.at);
	const from = Math.min(firstBucket ?? at - (now - at), at - 1);
	return [
		{ state: row.lastChange.from, from, to: at },
		{ state: row.lastChange.to, from: at, to: now },
		...(row.state !== row.lastChange.to
			? [{ state: row.state, from: Date.parse(row.since), to: now }]
			: []),
	].filter((segment) => segment.to > segment.from);
}

function breakersSection(snapshot: GuardsSnapshot, now: number): string {
	const rows = snapshot.breakers.map((row) => {
		const rate = row.failureRatePercent === null ? '–' : `${num(row.failureRatePercent, 1)}%`;
		const calls = barChart(
			row.buckets.map((bucket) => ({
				label: bucket.start,
				value: bucket.calls,
				part: bucket.failures,
			})),
			{ unit: 'calls' },
		);
		const change = row.lastChange
			? `${esc(row.lastChange.from)} → ${esc(row.lastChange.to)}: ${esc(row.lastChange.reason)}`
			: '';
		return `<tr><td>${who(row.name, row.scope)}</td><td>${badge(row.state)}${timeline(breakerSegments(row, now))}<div class="scope">${change}</div></td><td class="n">${esc(rate)}<div class="scope">${esc(num(row.failures, 0))}/${esc(num(row.calls, 0))} in ${esc(duration(row.windowSeconds))}</div></td><td class="n">${esc(row.p95Ms === null ? '–' : `${num(row.p95Ms, 0)} ms`)}</td><td class="n">${esc(row.halfOpenInSeconds === null ? '–' : duration(row.halfOpenInSeconds))}</td><td class="hide-s">${calls}</td></tr>`;
	});
	return section(
		'breakers',
		'Circuit breakers',
		table(
			['Breaker', 'State', 'Failure rate', 'p95', 'Half-open in', 'Calls (failed in red)'],
			rows,
			[5],
		),
		'No circuit breaker state in this store.',
		rows.length,
	);
}

function budgetsSection(snapshot: GuardsSnapshot): string {
	const rows = snapshot.budgets.flatMap((budget) =>
		budget.periods.map((period) => {
			const money = (value: number | null) =>
				value === null ? '–' : `${num(value, 4)} ${budget.currency}`;
			const crossed = period.thresholdsCrossed
				.map((t) => `${esc(t.kind)} ${esc(num(t.threshold))}%`)
				.join(', ');
			const history = barChart(
				period.history.map((h) => ({ label: h.window, value: h.spent })),
				{ unit: budget.currency },
			);
			return `<tr><td>${who(budget.name, budget.scope)}</td><td>${esc(period.period)}<div class="scope">${esc(period.window)}</div></td><td class="n">${esc(money(period.spent))}<div class="scope">of ${esc(money(period.limit))}</div>${meter(period.percentOfLimit)}</td><td class="n">${esc(money(period.forecast))}</td><td>${crossed === '' ? '–' : `<span class="badge b-warn">${crossed}</span>`}</td><td class="hide-s">${history}</td></tr>`;
		}),
	);
	return section(
		'budgets',
		'Cost budgets',
		table(
			['Budget', 'Period', 'Spent', 'Forecast', 'Thresholds crossed', 'Spend per window'],
			rows,
			[5],
		),
		'No Cost Guard budget in this store.',
		rows.length,
	);
}

function quotasSection(snapshot: GuardsSnapshot): string {
	const rows = snapshot.quotas.map((row) => {
		const history = barChart(
			row.history.map((h) => ({ label: h.window, value: h.usage })),
			{ unit: 'uses' },
		);
		const crossed = row.thresholdsCrossed.map((t) => `${num(t)}%`).join(', ');
		const alerted = row.thresholdsAlerted.map((t) => `${num(t)}%`).join(', ');
		const of =
			row.limit === null
				? 'limit not recorded'
				: `of ${num(row.limit, 0)} · ${num(row.percentOfLimit, 1)}%`;
		const thresholds =
			row.thresholds.length === 0 ? '' : `of ${row.thresholds.map((t) => `${num(t)}%`).join(', ')}`;
		return `<tr><td>${who(row.name, row.scope)}</td><td>${esc(row.period)}<div class="scope">${esc(row.window)}</div></td><td class="n">${esc(num(row.usage, 0))}<div class="scope">${esc(of)}</div>${row.percentOfLimit === null ? '' : meter(row.percentOfLimit)}</td><td>${crossed === '' ? '–' : `<span class="badge b-warn">${esc(crossed)}</span>`}<div class="scope">${esc(thresholds)}${alerted === '' ? '' : ` · alerted ${esc(alerted)}`}</div></td><td class="hide-s">${history}</td></tr>`;
	});
	const limiterRows = [...snapshot.limiters.process, ...snapshot.limiters.shared].map((row) => {
		const set = row.configured;
		const configured =
			set === null
				? '–'
				: set.limit !== null && set.per !== null
					? `${num(set.limit)} per ${set.per}`
					: `${num(set.perSecond, 3)}/s`;
		const pace =
			set === null
				? ''
				: `${set.targetUtilization === null ? '' : `at ${num(set.targetUtilization)}%: `}${num(set.perSecond, 3)}/s · burst ${num(set.capacity, 0)}`;
		const hold =
			row.holdUntil === null
				? '–'
				: `<span class="badge b-warn">held ${esc(duration(row.holdInSeconds))}</span><div class="scope">until ${esc(row.holdUntil)}</div>`;
		const learned = row.learnedLimit;
		const learnedCell =
			learned === null
				? 'none learned yet'
				: `${esc(learned.limit === null ? '?' : num(learned.limit, 0))}${learned.windowSeconds === null ? '' : ` per ${esc(duration(learned.windowSeconds))}`}<div class="scope">${esc(learned.remaining === null ? '' : `${num(learned.remaining, 0)} left · `)}${esc(learned.observedAt)} · ${esc(learned.learnedBy)}</div>`;
		return `<tr><td>${who(row.name, row.scope)}<div class="scope">${esc(row.location)}</div></td><td class="n">${esc(configured)}<div class="scope">${esc(pace)}</div></td><td class="n">${esc(num(row.tokens, 0))}</td><td>${hold}</td><td>${learnedCell}</td></tr>`;
	});
	const note = `<p class="note">${esc(snapshot.limiters.note)}</p>`;
	const limiters =
		limiterRows.length === 0
			? ''
			: table(['Limiter', 'Configured', 'Tokens', 'Hold', 'Learned limit'], limiterRows);
	const quotas =
		rows.length === 0
			? ''
			: table(['Quota', 'Period', 'Used', 'Thresholds crossed', 'Use per window'], rows, [4]);
	return section(
		'limits',
		'Rate limits and quotas',
		note + limiters + quotas,
		`${snapshot.limiters.note} No limiter or quota in this store.`,
		rows.length + limiterRows.length,
	);
}

function deadLettersSection(snapshot: GuardsSnapshot): string {
	const rows = snapshot.deadLetters.map((queue) => {
		const classes = queue.classes
			.map(
				(c) =>
					`<tr><td>${esc(c.class)}</td><td class="n">${esc(num(c.open, 0))}</td><td class="n">${esc(duration(c.oldestAgeSeconds))}</td></tr>`,
			)
			.join('');
		const bars = barChart(
			queue.classes.map((c) => ({ label: c.class, value: c.open })),
			{ unit: 'open' },
		);
		return `<tr><td>${who(queue.scope, 'queue')}</td><td class="n">${esc(num(queue.open, 0))}<div class="scope">${esc(num(queue.leased, 0))} being replayed</div></td><td class="n">${esc(duration(queue.oldestAgeSeconds))}</td><td><div class="scroll"><table>${classes}</table></div></td><td class="hide-s">${bars}</td></tr>`;
	});
	return section(
		'dead-letters',
		'Dead-letter queues',
		table(['Queue', 'Open', 'Oldest', 'By failure class', 'Open per class'], rows, [4]),
		'No open dead letter in this store.',
		rows.length,
	);
}

function driftSection(snapshot: GuardsSnapshot): string {
	const rows = snapshot.drift.map(
		(row) =>
			`<tr><td>${who(row.schema, row.scope)}</td><td>${esc(row.kind)}</td><td class="name">${esc(row.path)}${row.detail ? `<div class="scope">${esc(row.detail)}</div>` : ''}</td><td class="n">${esc(num(row.timesSeen, 0))}</td><td class="hide-s">${esc(row.firstSeenAt ?? 'unknown')}</td><td class="hide-s">${esc(row.lastSeenAt ?? 'unknown')}</td></tr>`,
	);
	return section(
		'drift',
		'Schema drift',
		table(['Schema', 'Drift', 'Field', 'Batches', 'First seen', 'Last seen'], rows, [4, 5]),
		'No schema drift remembered in this store.',
		rows.length,
	);
}

function expiriesSection(snapshot: GuardsSnapshot): string {
	const rows = snapshot.expiries.map((row) => {
		const days =
			row.daysLeft === null
				? '–'
				: row.daysLeft < 0
					? `${num(-row.daysLeft, 0)} days ago`
					: `${num(row.daysLeft, 0)} days`;
		const name = row.name ?? `(name not recorded) ${row.credentialHash}`;
		return `<tr><td>${who(name, `${row.kind ?? 'kind not recorded'} · ${row.scope}`)}</td><td>${esc(row.expiresAt ?? '–')}<div class="scope">${esc(days)} at the last check</div></td><td>${badge(row.status)}</td><td class="hide-s">${esc(row.checkedAt)}</td><td class="hide-s">${row.alertedAt === null ? 'not alerted' : `${esc(row.alertedAt)}<div class="scope">quiet until ${esc(row.quietUntil ?? '–')}</div>`}</td></tr>`;
	});
	return section(
		'expiries',
		'Credentials that expire next',
		table(['Credential', 'Expires', 'Status', 'Last checked', 'Alerted'], rows, [3, 4]),
		'No credential checked into this store (Credential Expiry Check with Remember Alerts on records them).',
		rows.length,
	);
}

function tile(value: number, label: string, level: 'bad' | 'warn' | '' = ''): string {
	return `<div class="tile ${level}"><b>${esc(num(value, 0))}</b><span>${esc(label)}</span></div>`;
}

export function renderStatusPage(snapshot: GuardsSnapshot, options: RenderOptions = {}): string {
	const title = options.title?.trim() || 'Guards status';
	const now = Date.parse(snapshot.generatedAt);
	const refresh = Math.floor(Number(options.refreshSeconds ?? 0));
	const totals = snapshot.totals;
	const tiles = [
		tile(
			totals.breakersOpen,
			`of ${totals.breakers} breakers not closed`,
			totals.breakersOpen > 0 ? 'bad' : '',
		),
		tile(
			totals.budgetsOverThreshold,
			`of ${totals.budgets} budgets past a threshold`,
			totals.budgetsOverThreshold > 0 ? 'warn' : '',
		),
		tile(totals.quotas, 'quotas counting'),
		tile(totals.deadLetters, 'open dead letters', totals.deadLetters > 0 ? 'warn' : ''),
		tile(totals.driftFindings, 'drift findings', totals.driftFindings > 0 ? 'warn' : ''),
		tile(
			totals.expiryAlerts,
			`of ${totals.expiries} credentials alerting`,
			totals.expiryAlerts > 0 ? 'bad' : '',
		),
	].join('');
	const warnings =
		snapshot.warnings.length === 0
			? ''
			: `<div class="warnings">${snapshot.warnings.map((w) => `<div>${esc(w)}</div>`).join('')}</div>`;
	return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'">
<meta name="referrer" content="no-referrer">
${refresh > 0 ? `<meta http-equiv="refresh" content="${Math.min(refresh, MAX_REFRESH_SECONDS)}">` : ''}
<title>${esc(title)}</title><style>${CSS}</style></head>
<body><header><h1>${esc(title)}</h1>
<div class="meta">${esc(snapshot.store.location)} · ${esc(snapshot.scope === null ? 'every scope' : `scope ${snapshot.scope}`)} · read ${esc(num(snapshot.recordsRead, 0))} entries at ${esc(snapshot.generatedAt)}${refresh > 0 ? ` · refreshes every ${esc(duration(Math.min(refresh, MAX_REFRESH_SECONDS)))}` : ''}</div>
${warnings}<div class="tiles">${tiles}</div></header>
<main>${breakersSection(snapshot, now)}${budgetsSection(snapshot)}${quotasSection(snapshot)}${deadLettersSection(snapshot)}${driftSection(snapshot)}${expiriesSection(snapshot)}</main>
</body></html>
`;
}
