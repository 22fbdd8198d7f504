/** Vendor responses in their real shapes (ids shortened), for usage parsing. */

/** OpenAI Chat Completions, with a cache hit and reasoning details. */
export const openAiChat = {
	id: 'chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG',
	object: 'chat.completion',
	created: 1741570283,
	model: 'gpt-4o-2024-08-06',
	choices: [
		{
			index: 0,
			message: {
				role: 'assistant',
				content: 'The image shows a wooden boardwalk.',
				refusal: null,
				annotations: [],
			},
			logprobs: null,
			finish_reason: 'stop',
		},
	],
	usage: {
		prompt_tokens: 1117,
		completion_tokens: 46,
		total_tokens: 1163,
		prompt_tokens_details: { cached_tokens: 1024, audio_tokens: 0 },
		completion_tokens_details: {
			reasoning_tokens: 0,
			audio_tokens: 0,
			accepted_prediction_tokens: 0,
			rejected_prediction_tokens: 0,
		},
	},
	service_tier: 'default',
	system_fingerprint: 'fp_fc9f1d7035',
};

/** OpenAI Responses API, from a reasoning model. */
export const openAiResponses = {
	id: 'resp_67ccd3a9da748190baa7f1570fe91ac6',
	object: 'response',
	created_at: 1741476777,
	status: 'completed',
	model: 'o4-mini-2025-04-16',
	output: [
		{ type: 'reasoning', id: 'rs_1', summary: [] },
		{
			type: 'message',
			id: 'msg_1',
			status: 'completed',
			role: 'assistant',
			content: [{ type: 'output_text', text: 'Paris.', annotations: [] }],
		},
	],
	usage: {
		input_tokens: 328,
		input_tokens_details: { cached_tokens: 128 },
		output_tokens: 852,
		output_tokens_details: { reasoning_tokens: 640 },
		total_tokens: 1180,
	},
};

/** Anthropic Messages, reading and writing the prompt cache. */
export const anthropic = {
	id: 'msg_01XFDUDYJgAACzvnptvVoYEL',
	type: 'message',
	role: 'assistant',
	model: 'claude-sonnet-4-5-20250929',
	content: [{ type: 'text', text: 'Hello!' }],
	stop_reason: 'end_turn',
	stop_sequence: null,
	usage: {
		input_tokens: 21,
		cache_creation_input_tokens: 188086,
		cache_read_input_tokens: 0,
		output_tokens: 393,
		service_tier: 'standard',
	},
};

/** Anthropic without cache fields at all (older responses). */
export const anthropicPlain = {
	id: 'msg_013Zva2CMHLNnXjNJJKqJ2EF',
	type: 'message',
	role: 'assistant',
	model: 'claude-3-5-haiku-20241022',
	content: [{ type: 'text', text: 'Hi' }],
	usage: { input_tokens: 12, output_tokens: 6 },
};

/** n8n's AI model nodes (N8nLlmTracing): the generations and tokenUsage. */
export const n8nLangchain = {
	response: { generations: [[{ text: 'Bonjour', generationInfo: { finish_reason: 'stop' } }]] },
	tokenUsage: { completionTokens: 9, promptTokens: 24, totalTokens: 33 },
};
