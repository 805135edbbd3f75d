import type { Rule } from 'eslint';

declare const plugin: { rules: { 'main-zones': Rule.RuleModule } };
export default plugin;
