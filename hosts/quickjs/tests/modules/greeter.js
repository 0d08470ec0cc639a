import { suffix } from './nested/suffix.js';

export function greet(name) {
  return `greetings, ${name}${suffix}`;
}
