import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import * as capture from './capture.operation';
import * as list from './list.operation';
import * as purge from './purge.operation';
import * as replay from './replay.operation';
import * as resolve from './resolve.operation';
import * as stats from './stats.operation';

type Operation = 'capture' | 'replay' | 'resolve' | 'list' | 'stats' | 'purge';

export async function router(context: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const items = context.getInputData();
	const operation = context.getNodeParameter('operation', 0) as Operation;
	switch (operation) {
		case 'capture':
			return await capture.execute(context, items);
		case 'replay':
			return await replay.execute(context, items);
		case 'resolve':
			return await resolve.execute(context, items);
		case 'list':
			return await list.execute(context);
		case 'stats':
			return await stats.execute(context);
		case 'purge':
			return await purge.execute(context);
	}
}
