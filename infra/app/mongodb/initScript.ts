import { MONGO_PORT } from "./server";

/** The init script's file name, in its ConfigMap and so in the image's init folder. */
export const INIT_SCRIPT_NAME = "create-app-user.sh";

/** The shell that ships in the image: 6.0 removed the legacy `mongo` shell in favour of `mongosh`. */
export function mongoShellFor(majorVersion: number): "mongo" | "mongosh" {
    return majorVersion >= 6 ? "mongosh" : "mongo";
}

/**
 * Runs once, on the first start with an empty volume (the image's
 * docker-entrypoint-initdb.d contract), as the root user the image created.
 * Passwords arrive as environment variables from the Secret, never in the script.
 */
export function createAppUserScript(shell: string): string {
    return `#!/bin/bash
set -euo pipefail
${shell} --quiet --host 127.0.0.1 --port ${MONGO_PORT} \\
  --username "$MONGO_INITDB_ROOT_USERNAME" --password "$MONGO_INITDB_ROOT_PASSWORD" \\
  --authenticationDatabase admin "$MONGO_APP_DATABASE" <<EOF
db.createUser({
  user: "$MONGO_APP_USERNAME",
  pwd: "$MONGO_APP_PASSWORD",
  roles: [{ role: "readWrite", db: "$MONGO_APP_DATABASE" }]
});
EOF
`;
}
