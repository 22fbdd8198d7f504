/**
 * ISO 4217 currency codes in use, with their minor-unit exponent (digits after the
 * decimal point): JPY 0, USD 2, KWD 3, CLF 4. Kept here rather than asked of `Intl`,
 * whose digits come from CLDR (cash rounding, not ISO) and from the ICU that the Node
 * binary was built with. Codes without a minor unit (gold XAU, SDR XDR, test XTS, …)
 * are left out on purpose: they cannot be counted in minor units.
 */
const EXPONENTS: Record<string, number> = {
	AED: 2,
	AFN: 2,
	ALL: 2,
	AMD: 2,
	ANG: 2,
	AOA: 2,
	ARS: 2,
	AUD: 2,
	AWG: 2,
	AZN: 2,
	BAM: 2,
	BBD: 2,
	BDT: 2,
	BGN: 2,
	BHD: 3,
	BIF: 0,
	BMD: 2,
	BND: 2,
	BOB: 2,
	BOV: 2,
	BRL: 2,
	BSD: 2,
	BTN: 2,
	BWP: 2,
	BYN: 2,
	BZD: 2,
	CAD: 2,
	CDF: 2,
	CHE: 2,
	CHF: 2,
	CHW: 2,
	CLF: 4,
	CLP: 0,
	CNY: 2,
	COP: 2,
	COU: 2,
	CRC: 2,
	CUP: 2,
	CVE: 2,
	CZK: 2,
	DJF: 0,
	DKK: 2,
	DOP: 2,
	DZD: 2,
	EGP: 2,
	ERN: 2,
	ETB: 2,
	EUR: 2,
	FJD: 2,
	FKP: 2,
	GBP: 2,
	GEL: 2,
	GHS: 2,
	GIP: 2,
	GMD: 2,
	GNF: 0,
	GTQ: 2,
	GYD: 2,
	HKD: 2,
	HNL: 2,
	HTG: 2,
	HUF: 2,
	IDR: 2,
	ILS: 2,
	INR: 2,
	IQD: 3,
	IRR: 2,
	ISK: 0,
	JMD: 2,
	JOD: 3,
	JPY: 0,
	KES: 2,
	KGS: 2,
	KHR: 2,
	KMF: 0,
	KPW: 2,
	KRW: 0,
	KWD: 3,
	KYD: 2,
	KZT: 2,
	LAK: 2,
	LBP: 2,
	LKR: 2,
	LRD: 2,
	LSL: 2,
	LYD: 3,
	MAD: 2,
	MDL: 2,
	MGA: 2,
	MKD: 2,
	MMK: 2,
	MNT: 2,
	MOP: 2,
	MRU: 2,
	MUR: 2,
	MVR: 2,
	MWK: 2,
	MXN: 2,
	MXV: 2,
	MYR: 2,
	MZN: 2,
	NAD: 2,
	NGN: 2,
	NIO: 2,
	NOK: 2,
	NPR: 2,
	NZD: 2,
	OMR: 3,
	PAB: 2,
	PEN: 2,
	PGK: 2,
	PHP: 2,
	PKR: 2,
	PLN: 2,
	PYG: 0,
	QAR: 2,
	RON: 2,
	RSD: 2,
	RUB: 2,
	RWF: 0,
	SAR: 2,
	SBD: 2,
	SCR: 2,
	SDG: 2,
	SEK: 2,
	SGD: 2,
	SHP: 2,
	SLE: 2,
	SOS: 2,
	SRD: 2,
	SSP: 2,
	STN: 2,
	SVC: 2,
	SYP: 2,
	SZL: 2,
	THB: 2,
	TJS: 2,
	TMT: 2,
	TND: 3,
	TOP: 2,
	TRY: 2,
	TTD: 2,
	TWD: 2,
	TZS: 2,
	UAH: 2,
	UGX: 0,
	USD: 2,
	USN: 2,
	UYI: 0,
	UYU: 2,
	UYW: 4,
	UZS: 2,
	VED: 2,
	VES: 2,
	VND: 0,
	VUV: 0,
	WST: 2,
	XAF: 0,
	XCD: 2,
	XCG: 2,
	XOF: 0,
	XPF: 0,
	YER: 2,
	ZAR: 2,
	ZMW: 2,
	ZWG: 2,
};

const CURRENCY_EXPONENTS: ReadonlyMap<string, number> = new Map(Object.entries(EXPONENTS));

/** The ISO 4217 minor-unit exponent of `code` (upper case), or undefined if we do not know the code. */
export function currencyExponent(code: string): number | undefined {
	return CURRENCY_EXPONENTS.get(code);
}

/** Whose table of minor units a source's whole-number amounts follow. */
export type MinorUnits = 'iso4217' | 'stripe';

/**
 * Stripe's zero-decimal currencies (https://docs.stripe.com/currencies#zero-decimal):
 * amounts are whole units. MGA is one, though ISO 4217 gives it two decimals.
 */
const STRIPE_ZERO_DECIMAL: ReadonlySet<string> = new Set([
	'BIF',
	'CLP',
	'DJF',
	'GNF',
	'JPY',
	'KMF',
	'KRW',
	'MGA',
	'PYG',
	'RWF',
	'UGX',
	'VND',
	'VUV',
	'XAF',
	'XOF',
	'XPF',
]);

/**
 * Stripe's special cases (https://docs.stripe.com/currencies#special-cases): ISK is
 * zero-decimal in ISO 4217 but stays two-decimal in Stripe's API (50000 is 500 kr, always
 * a multiple of 100). HUF and TWD are charged with two decimals (as ISO 4217 has them;
 * only their payouts are whole units), and UGX is in the zero-decimal list.
 */
const STRIPE_TWO_DECIMAL: ReadonlySet<string> = new Set(['ISK', 'HUF', 'TWD']);

/**
 * The exponent of `code` (upper case, known) in a source's whole-number amounts: ISO 4217's,
 * or Stripe's table for a Stripe source.
 */
export function minorUnitExponent(code: string, table: MinorUnits): number | undefined {
	if (table === 'stripe') {
		if (STRIPE_ZERO_DECIMAL.has(code)) return 0;
		if (STRIPE_TWO_DECIMAL.has(code)) return 2;
	}
	return currencyExponent(code);
}

/** "aud" → "AUD" when it is a known ISO 4217 code, else undefined. */
export function normaliseCurrencyCode(value: string): string | undefined {
	const code = value.trim().toUpperCase();
	return CURRENCY_EXPONENTS.has(code) ? code : undefined;
}

/**
 * Symbols and the currencies they can stand for. "$" is used by dozens of currencies,
 * "¥" by JPY and CNY, "kr" by four: a source profile says which one a source means.
 * Only symbols with one meaning resolve without a profile.
 */
const SYMBOLS: Record<string, readonly string[]> = {
	$: [
		'USD',
		'AUD',
		'CAD',
		'NZD',
		'SGD',
		'HKD',
		'MXN',
		'TWD',
		'FJD',
		'BSD',
		'BBD',
		'BMD',
		'BND',
		'BZD',
		'JMD',
		'KYD',
		'LRD',
		'NAD',
		'SBD',
		'SRD',
		'TTD',
		'XCD',
		'GYD',
		'CLP',
		'COP',
		'ARS',
		'UYU',
	],
	US$: ['USD'],
	A$: ['AUD'],
	AU$: ['AUD'],
	NZ$: ['NZD'],
	C$: ['CAD'],
	CA$: ['CAD'],
	HK$: ['HKD'],
	S$: ['SGD'],
	NT$: ['TWD'],
	MX$: ['MXN'],
	R$: ['BRL'],
	'€': ['EUR'],
	'£': ['GBP', 'EGP', 'FKP', 'GIP', 'SHP', 'SYP', 'LBP'],
	'¥': ['JPY', 'CNY'],
	'￥': ['JPY', 'CNY'],
	円: ['JPY'],
	元: ['CNY'],
	'₹': ['INR'],
	'₩': ['KRW'],
	'₪': ['ILS'],
	'₫': ['VND'],
	'฿': ['THB'],
	'₱': ['PHP'],
	'₺': ['TRY'],
	'₦': ['NGN'],
	'₴': ['UAH'],
	'₽': ['RUB'],
	'₸': ['KZT'],
	'₾': ['GEL'],
	'₡': ['CRC'],
	zł: ['PLN'],
	Kč: ['CZK'],
	Ft: ['HUF'],
	kr: ['SEK', 'NOK', 'DKK', 'ISK'],
	Fr: ['CHF'],
	R: ['ZAR'],
	RM: ['MYR'],
	Rp: ['IDR'],
};

const SYMBOL_TABLE: ReadonlyMap<string, readonly string[]> = new Map(Object.entries(SYMBOLS));

/** The currencies a symbol can stand for (built-in table), or undefined for an unknown symbol. */
export function currenciesForSymbol(symbol: string): readonly string[] | undefined {
	return SYMBOL_TABLE.get(symbol);
}
