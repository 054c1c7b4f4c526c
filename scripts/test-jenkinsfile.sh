#!/usr/bin/env bash
# The Jenkinsfile's suite: npm-groovy-lint (errors fail), then the behaviour
# tests in ci/test run on Groovy from Maven Central (needs Java 17+).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

GROOVY_VERSION=4.0.33
GROOVY_SHA256=5240a9151289115e4d447d6b6d4cb9ac8a9fc6374e079714dfeeffda42323be8
jar=".cache/tools/groovy-$GROOVY_VERSION.jar"
if [ ! -s "$jar" ] || ! echo "$GROOVY_SHA256  $jar" | sha256sum --check --status; then
  mkdir -p .cache/tools
  curl -fsSL --retry 3 -o "$jar.tmp" \
    "https://repo.maven.apache.org/maven2/org/apache/groovy/groovy/$GROOVY_VERSION/groovy-$GROOVY_VERSION.jar"
  echo "$GROOVY_SHA256  $jar.tmp" | sha256sum --check --status || { echo "groovy jar checksum mismatch" >&2; exit 1; }
  mv "$jar.tmp" "$jar"
fi

npx npm-groovy-lint --failon error --noserver --output txt Jenkinsfile
java -cp "$jar:ci/test" groovy.ui.GroovyMain ci/test/JenkinsfileTest.groovy
