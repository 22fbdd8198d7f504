import type { IDisplayOptions, INodeProperties } from 'n8n-workflow';

/**
 * Shows each property only where `displayOptions` say, keeping the conditions it
 * already has (which win where both name the same parameter): n8n's own
 * `updateDisplayOptions`, which Postgres v2 wraps each operation's description in. A
 * local copy, because the n8n-workflow of n8n 1.x that the package still loads in does
 * not export it everywhere, and n8n-workflow is not bundled.
 */
export function updateDisplayOptions(
	displayOptions: IDisplayOptions,
	properties: INodeProperties[],
): INodeProperties[] {
	return properties.map((property) => ({
		...property,
		displayOptions: {
			...property.displayOptions,
			...(displayOptions.show || property.displayOptions?.show
				? { show: { ...displayOptions.show, ...property.displayOptions?.show } }
				: {}),
			...(displayOptions.hide || property.displayOptions?.hide
				? { hide: { ...displayOptions.hide, ...property.displayOptions?.hide } }
				: {}),
		},
	}));
}
