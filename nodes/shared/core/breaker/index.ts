// Circuit Breaker: policy, state transitions, hop statistics (pure, no n8n).
export {};
