// esbuild aliases react-devtools-core here: ink imports it only when DEV is set, and we never ship it.
export default {connectToDevTools() {}};
