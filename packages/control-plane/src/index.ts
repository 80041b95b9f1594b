export { ControlPlane, controlTopics, type ControlTopics, type History, type IssueOptions } from './control-plane.js';
export { updateFromAvro, updateToAvro, type AvroUpdate } from './update-codec.js';
