// What the MongoDB server is known by, to its own objects and to its clients.

/** The name of its Service, StatefulSet and labels. */
export const MONGO_NAME = "mongodb";
export const MONGO_PORT = 27017;
/** The administrator the image creates on first start; the API never uses it. */
export const ROOT_USER = "root";
/** The API's user, limited to its database. */
export const APP_USER = "users-api";

/**
 * The keys of the credentials Secret, in the image's own names for the root
 * user (`MONGO_INITDB_*`); the init script reads the others. The pod gets each
 * one from the Secret as an environment variable of the same name.
 */
export const CREDENTIAL_KEYS = [
    "MONGO_INITDB_ROOT_USERNAME", "MONGO_INITDB_ROOT_PASSWORD", "MONGO_APP_USERNAME", "MONGO_APP_PASSWORD",
] as const;
export type CredentialKey = (typeof CREDENTIAL_KEYS)[number];
