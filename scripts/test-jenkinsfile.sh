#!/usr/bin/env bash
# The Jenkinsfile's suite: npm-groovy-lint (errors fail), then the behaviour
# tests in ci/test, run on the Groovy that npm-groovy-lint's own npm package
# ships, against the lanes of infra/pipeline.ts. Needs only what the agent's groovy container has (bash, Node, npm,
# Java 17) and `npm ci`: nothing is downloaded from anywhere else.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

groovy_lib=node_modules/npm-groovy-lint/lib/java/groovy/lib
[ -d "$groovy_lib" ] || { echo "$groovy_lib is missing: run npm ci" >&2; exit 1; }

npx npm-groovy-lint --failon error --noserver --output txt Jenkinsfile
# The lanes the Jenkinsfile must follow, from infra/pipeline.ts.
facts=$(mktemp)
trap 'rm -f "$facts"' EXIT
npx tsx ci/test/pipelineFacts.ts >"$facts"
java -DpipelineFacts="$facts" -cp "$groovy_lib/*:ci/test" groovy.ui.GroovyMain ci/test/JenkinsfileTest.groovy
