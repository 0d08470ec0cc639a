// The tour's page: what the seed's components do in the DOM, here printed by JavaScript.

window.render = (sample, text) => {
  console.log(`[${sample}] ${text}`);
};

// Keeps a reference so a later call can show what happens after JavaScript disposed it.
window.keepReference = (dotNetHelper) => {
  window.keptReference = dotNetHelper;
};

window.callKeptReference = async () => {
  try {
    await window.keptReference.invokeMethodAsync('BlazorSample');
    return 'the call succeeded';
  } catch (error) {
    return error.message;
  }
};
