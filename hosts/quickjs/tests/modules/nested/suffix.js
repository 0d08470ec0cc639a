export const suffix = ' (from a nested import)';
