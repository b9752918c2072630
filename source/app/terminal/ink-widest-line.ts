// What the build gives Ink for the widest-line package: the same measure, remembered across frames.
export {widestLine as default} from './ink-output.js';
