/**
 * A strict little iCalendar reader for the tests: checks line endings and folding
 * while it unfolds, unescapes TEXT, and nests components. Written from RFC 5545
 * independently of the writer, so a writer bug cannot hide behind a matching reader bug.
 */
export interface Property {
	name: string;
	params: Record<string, string>;
	value: string;
}

export interface Component {
	name: string;
	properties: Property[];
	components: Component[];
}

export function unescapeText(value: string): string {
	return value.replace(/\\([\\;,nN])/g, (_, char: string) =>
		char === 'n' || char === 'N' ? '\n' : char,
	);
}

export function parseCalendar(text: string): Component {
	if (!text.endsWith('\r\n')) throw new Error('The calendar does not end with CRLF');
	const physical = text.slice(0, -2).split('\r\n');
	for (const [index, line] of physical.entries()) {
		if (line.includes('\n') || line.includes('\r'))
			throw new Error(`Line ${index + 1} has a bare CR or LF`);
		if (Buffer.byteLength(line, 'utf8') > 75)
			throw new Error(`Line ${index + 1} is longer than 75 octets`);
		if (line === '') throw new Error(`Line ${index + 1} is empty`);
	}
	const logical: string[] = [];
	for (const line of physical) {
		if (line.startsWith(' ') || line.startsWith('\t')) {
			if (logical.length === 0) throw new Error('The calendar starts with a continuation line');
			logical[logical.length - 1] += line.slice(1);
		} else logical.push(line);
	}
	const root: Component = { name: '', properties: [], components: [] };
	const stack: Component[] = [root];
	for (const line of logical) {
		const colon = findValueColon(line);
		if (colon < 0) throw new Error(`No colon in "${line}"`);
		const [name, ...paramParts] = line.slice(0, colon).split(';');
		const value = line.slice(colon + 1);
		const params: Record<string, string> = {};
		for (const param of paramParts) {
			const [key, paramValue] = param.split('=');
			params[key.toUpperCase()] = paramValue;
		}
		const top = stack[stack.length - 1];
		if (name === 'BEGIN') {
			const component: Component = { name: value, properties: [], components: [] };
			top.components.push(component);
			stack.push(component);
		} else if (name === 'END') {
			if (top.name !== value) throw new Error(`END:${value} closes ${top.name}`);
			stack.pop();
		} else top.properties.push({ name: name.toUpperCase(), params, value });
	}
	if (stack.length !== 1) throw new Error('A component was not closed');
	if (root.components.length !== 1 || root.components[0].name !== 'VCALENDAR')
		throw new Error('Not one VCALENDAR');
	return root.components[0];
}

/** The colon that ends the name and parameters (quoted parameter values may hold colons). */
function findValueColon(line: string): number {
	let quoted = false;
	for (let index = 0; index < line.length; index++) {
		if (line[index] === '"') quoted = !quoted;
		else if (line[index] === ':' && !quoted) return index;
	}
	return -1;
}

export function prop(component: Component, name: string): Property | undefined {
	return component.properties.find((property) => property.name === name);
}
