import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import * as cache from './cache.operation';
import * as checkBudget from './checkBudget.operation';
import * as recordUsage from './recordUsage.operation';
import * as report from './report.operation';

type Operation = 'checkBudget' | 'recordUsage' | 'report' | 'cacheLookup' | 'cacheStore';

export async function router(context: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const items = context.getInputData();
	const operation = context.getNodeParameter('operation', 0) as Operation;
	switch (operation) {
		case 'checkBudget':
			return await checkBudget.execute(context, items);
		case 'recordUsage':
			return await recordUsage.execute(context, items);
		case 'report':
			return await report.execute(context, items);
		case 'cacheLookup':
			return await cache.lookup(context, items);
		case 'cacheStore':
			return await cache.store(context, items);
	}
}
