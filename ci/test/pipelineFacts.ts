// What the Jenkinsfile must do by lane, from the one source of lanes
// (infra/pipeline.ts), as JSON for ci/test/JenkinsfileTest.groovy, which
// cannot read TypeScript: scripts/test-jenkinsfile.sh passes it.
import { agentPodFileOf, cloudOf, DEPLOY_LANES, LANE_BRANCHES, LANES, PREVIEWED_LANE } from "../../infra/pipeline";

const byLane = <T>(value: (lane: (typeof LANES)[number]) => T) => Object.fromEntries(LANES.map((lane) => [lane, value(lane)]));

process.stdout.write(`${JSON.stringify({
    // The deploying lanes are named after the stack each deploys.
    deployBranches: Object.fromEntries(DEPLOY_LANES.flatMap((lane) => LANE_BRANCHES[lane].map((branch) => [branch, lane]))),
    previewedStack: PREVIEWED_LANE,
    clouds: byLane(cloudOf),
    podFiles: byLane(agentPodFileOf),
})}\n`);
