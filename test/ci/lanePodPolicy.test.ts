// The admission policy every lane pod meets (LanePodPolicy).
import * as assert from "assert";
import { lanePodRules } from "../../infra/ci/lanePodPolicy";
import { agentNamespace, DEPLOY_LANES, LANE_LABEL, LANES } from "../../infra/pipeline";
import { AGENT_IMAGES } from "../../infra/upstream";
import { committedRun, findOne, type ProgramRun } from "../harness";
import { spec } from "../kubernetesSchema";
import { named } from "./support";

describe("the lane pod policy", () => {
    let run: ProgramRun;
    before(async () => {
        run = await committedRun("jenkins");
    });

    it("denies, in every namespace labelled with a lane, any pod its rules refuse: created or changed", () => {
        const policy = spec(findOne(run, "ValidatingAdmissionPolicy"));
        assert.strictEqual(policy.spec.failurePolicy, "Fail", "an unavailable check refuses the pod");
        assert.deepStrictEqual(policy.spec.matchConstraints.namespaceSelector, { matchExpressions: [{ key: LANE_LABEL, operator: "Exists" }] });
        assert.deepStrictEqual(policy.spec.matchConstraints.resourceRules[0].resources, ["pods", "pods/ephemeralcontainers"]);
        assert.deepStrictEqual(policy.spec.matchConstraints.resourceRules[0].operations, ["CREATE", "UPDATE"]);
        assert.deepStrictEqual(policy.spec.validations.length, lanePodRules().rules.length);
        const binding = spec(findOne(run, "ValidatingAdmissionPolicyBinding"));
        assert.deepStrictEqual(binding.spec, { policyName: policy.metadata.name, validationActions: ["Deny"] });
        const jenkins = spec(named(run, "jenkins-namespace")).metadata.name;
        for (const lane of LANES) {
            assert.ok(spec(findOne(run, "Namespace", agentNamespace(jenkins, lane))).metadata.labels[LANE_LABEL], lane);
        }
    });

    it("allows the unconfined builder only by the pinned image and only in a deploying lane", () => {
        const { variables } = lanePodRules();
        assert.match(variables[0].expression, new RegExp(`c\\.image == '${AGENT_IMAGES.buildkit.replace(/[.]/g, "\\.")}'`));
        assert.match(variables[0].expression, new RegExp(`in \\[${DEPLOY_LANES.map((l) => `'${l}'`).join(", ")}\\]`));
    });
});
