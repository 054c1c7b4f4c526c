import * as yaml from "js-yaml";
import { cloudOf, DEPLOY_LANES, type Lane, LANE_BRANCHES, LANES, LAUNCHED_LANES } from "../../pipeline";
import { PLUGIN_FACTS } from "../../upstream";
import { CREDENTIAL_IDS, JOB_NAMES } from "../names";

/** Owner and name of a GitHub repository from its https URL. */
function gitHubRepository(repositoryUrl: string): { owner: string; repository: string } {
    const [, owner, repository] = /github\.com\/([^/]+)\/([^/]+?)(?:\.git)?$/.exec(repositoryUrl) ?? ["", "", ""];
    return { owner, repository };
}

/** Branches (never pull requests) whose names match `includes` and not `excludes` (scm-api's wildcard filter). */
function branches(includes: string, excludes: string): string {
    return `
            gitHubBranchDiscovery { strategyId(${PLUGIN_FACTS.allBranchesStrategy}) }
            headWildcardFilter {
              includes('${includes}')
              excludes('${excludes}')
            }`;
}

/** What one lane's job discovers: its traits, in Job DSL. */
function discoveryTraits(lane: Lane): string {
    switch (lane) {
        case "production":
        case "develop":
            return branches(LANE_BRANCHES[lane].join(" "), "");
        case "preview":
            // Every other branch of the repository, and its pull requests (PR-<n>); never a fork's.
            return `${branches("*", DEPLOY_LANES.flatMap((l) => LANE_BRANCHES[l]).join(" "))}
            gitHubPullRequestDiscovery { strategyId(${PLUGIN_FACTS.mergeWithTargetStrategy}) }`;
        case "fork":
            // Pull requests from forks only, built with the target branch's Jenkinsfile, whoever opened them.
            return `
            gitHubForkDiscovery {
              strategyId(${PLUGIN_FACTS.mergeWithTargetStrategy})
              trust { ${PLUGIN_FACTS.trustNobodySymbol}() }
            }`;
    }
}

/** A launched lane's job may use its own cloud, which no other job may; the fork lane's job uses the chart's open cloud. */
function cloudGrant(lane: Lane): string {
    if (!(LAUNCHED_LANES as readonly Lane[]).includes(lane)) return "";
    return `
  properties {
    ${PLUGIN_FACTS.folderCloudPropertySymbol} { permittedClouds(['${cloudOf(lane)}']) }
  }`;
}

/** Job DSL of one lane's multibranch job. */
export function laneJobDsl(lane: Lane, repositoryUrl: string): string {
    const job = JOB_NAMES[lane];
    const { owner, repository } = gitHubRepository(repositoryUrl);
    return `multibranchPipelineJob('${job}') {
  displayName('XPTO users API: ${lane}')
  branchSources {
    branchSource {
      source {
        github {
          id('${job}')
          repoOwner('${owner}')
          repository('${repository}')
          repositoryUrl('${repositoryUrl}')
          configuredByUrl(true)
          credentialsId('${CREDENTIAL_IDS.gitHub}')
          traits {${discoveryTraits(lane)}
          }
        }
      }
    }
  }${cloudGrant(lane)}
  factory { workflowBranchProjectFactory { scriptPath('Jenkinsfile') } }
  // GitHub's webhook (${PLUGIN_FACTS.webhookPath}) starts builds; the scan catches what a webhook missed.
  triggers { periodicFolderTrigger { interval('1h') } }
  orphanedItemStrategy { discardOldItems { daysToKeep(30); numToKeep(20) } }
}
`;
}

/** JCasC `jobs:`: one job per lane, in Job DSL. */
export function jobsCasc(repositoryUrl: string): string {
    const jobs = LANES.map((lane) => ({ script: laneJobDsl(lane, repositoryUrl) }));
    return yaml.dump({ jobs }, { lineWidth: -1 });
}
