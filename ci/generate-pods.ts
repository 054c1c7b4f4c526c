// Writes the agent pod files from their one source, infra/ci/agentPods.ts:
//
//   npx tsx ci/generate-pods.ts
import * as fs from "fs";
import * as path from "path";
import { AGENT_POD_KINDS, agentPodText } from "../infra/ci/agentPods";
import { AGENT_POD_FILES } from "../infra/pipeline";

for (const kind of AGENT_POD_KINDS) {
    fs.writeFileSync(path.join(__dirname, "..", AGENT_POD_FILES[kind]), agentPodText(kind));
}
