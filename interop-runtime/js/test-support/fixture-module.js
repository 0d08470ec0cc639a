// A module the tests import through the built-in "import" identifier.
export const answer = 42;

export function greet(name) {
    return `Hello, ${name}!`;
}

export class Counter {
    constructor(start) {
        this.value = start;
    }

    increment() {
        this.value++;
        return this.value;
    }
}

export function callBack(dotNetHelper, name) {
    return dotNetHelper.invokeMethodAsync("GetHelloMessage", name);
}
