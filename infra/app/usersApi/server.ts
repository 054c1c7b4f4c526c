import { selectorLabels } from "../../workload";

/** The name of the API's Deployment, Service, container and labels. */
export const API_NAME = "users-api";
/** The port the server listens on in its pod. */
export const API_PORT = 5000;
/** The labels that select the API's pods; MongoDB's NetworkPolicy admits exactly these. */
export const API_POD_LABELS = selectorLabels(API_NAME);
