// Behaviour tests of the Jenkinsfile, run through PipelineHarness: each lane
// of infra/pipeline.ts (branch -> lane, the previewed stack, each lane's cloud
// and pod file), which scripts/test-jenkinsfile.sh passes as JSON
// (ci/test/pipelineFacts.ts), and each row of the README's branch table.
// Prints "N passed, M failed".

import groovy.json.JsonSlurper
import groovy.transform.Field

@Field final String jenkinsfile = new File('Jenkinsfile').text
/** deployBranches (branch -> lane, named after the stack it deploys), previewedStack, clouds and podFiles by lane. */
@Field final Map pipeline = new JsonSlurper().parse(new File(System.getProperty('pipelineFacts') ?: 'missing: pass -DpipelineFacts=<file>'))
@Field final String commit = '0123456789abcdef0123456789abcdef01234567'
@Field final String organization = new File('ci/pulumi-organization').text.trim()

Map<String, String> branchBuild(String branch) {
    [BRANCH_NAME: branch, GIT_COMMIT: commit, BUILD_NUMBER: '42', BUILD_TAG: "jenkins-xpto-users-api-${branch}-42",
     BUILD_URL: "https://jenkins.example/job/xpto-users-api/job/${branch}/42/", WORKSPACE: '/home/jenkins/agent/ws']
}

Map<String, String> pullRequest(String target, String source = 'feature/login') {
    branchBuild('PR-7') + [CHANGE_ID: '7', CHANGE_TARGET: target, CHANGE_BRANCH: source]
}

/** A pull request from a fork: the branch source sets CHANGE_FORK to the fork's name. */
Map<String, String> forkPullRequest(String target) {
    pullRequest(target) + [CHANGE_FORK: 'someone/users-api']
}

String tail(String stack) {
    "--stack ${organization}/${stack} --non-interactive --diff " +
        "--exclude 'urn:pulumi:${stack}::xpto-api::xpto:access:PipelineAccess**' --exclude-dependents"
}

String upCommand(String stack) { "pulumi up --yes --config apiImageDigest=${PipelineScript.BUILT_DIGEST} ${tail(stack)}" }

String previewCommand(String stack) { "pulumi preview ${tail(stack)}" }

void assertAgent(PipelineRun run, String lane) {
    String pod = pipeline.podFiles[lane]
    assert new File(pod).exists(), pod
    assert run.agent == [kind: 'kubernetes', cloud: pipeline.clouds[lane], yamlFile: pod, defaultContainer: 'pulumi']
}

void assertDeploys(PipelineRun run, String stack) {
    assert run.stagesRun == ['Install', 'Test', 'Deploy']
    assertAgent(run, stack)
    assert run.pulumiCommands() == [upCommand(stack)]
    assert run.loginStacks() == [stack]
    Step up = run.stepRunning('pulumi up')
    assert up.container == 'pulumi'
    Step login = run.stepRunning('ci/registry-login.sh')
    Step build = run.stepRunning('ci/build-image.sh')
    assert build.args == "ci/build-image.sh ${stack}".toString()
    assert build.container == 'buildkit', 'the rootless builder builds and pushes the image'
    assert build.env.GIT_COMMIT == commit, 'the image tag is the git commit'
    assert login && run.steps.indexOf(login) < run.steps.indexOf(build), 'the push credentials are written before the build'
    assert run.steps.indexOf(build) < run.steps.indexOf(up), 'the update deploys the digest the build pushed'
}

void assertNeverUp(PipelineRun run) {
    assert !run.pulumiCommands().any { it.startsWith('pulumi up') }
    assert !run.stagesRun.contains('Deploy')
    assert !run.shScripts().contains('ci/registry-login.sh'), 'previews never log in to the registry'
    assert !run.shScripts().any { it.startsWith('ci/build-image.sh') }, 'previews build no image'
}

void assertOnlyTests(PipelineRun run) {
    assert run.stagesRun == ['Install', 'Test']
    assertAgent(run, 'fork')
    assert run.pulumiCommands() == []
    assert run.loginStacks() == []
    assertNeverUp(run)
}

void assertPreviews(PipelineRun run, String stack) {
    assert run.stagesRun == ['Install', 'Test', 'Preview']
    assertAgent(run, 'preview')
    assert run.pulumiCommands() == [previewCommand(stack)]
    assert run.loginStacks() == [stack]
    assertNeverUp(run)
}

Map<String, Closure> tests = [:]

String previewed = pipeline.previewedStack
pipeline.deployBranches.each { String branch, String stack ->
    tests["${branch} runs in the ${stack} lane and deploys the ${stack} stack with pulumi up".toString()] = {
        assertDeploys(PipelineHarness.run(jenkinsfile, branchBuild(branch)), stack)
    }
}
tests['no branch deploys but those infra/pipeline.ts gives a deploying lane'] = {
    // A branch the Jenkinsfile deploys is one it names: try every string it holds, and near misses.
    Set<String> named = (jenkinsfile =~ /'([^'\n]*)'/).collect { it[1] } as Set
    Set<String> candidates = named + pipeline.deployBranches.keySet().collectMany { [it.toUpperCase(), "${it}-old", "feature/${it}"] }
    candidates.each { String branch ->
        PipelineRun run = PipelineHarness.run(jenkinsfile, branchBuild(branch))
        if (run.stagesRun.contains('Deploy')) {
            assert pipeline.deployBranches.containsKey(branch), "${branch} deploys, but no lane of infra/pipeline.ts builds it"
        } else {
            assert !pipeline.deployBranches.containsKey(branch), "${branch} should deploy"
            assertPreviews(run, previewed)
        }
    }
}
(pipeline.deployBranches.keySet() + ['release/2.0']).each { String target ->
    tests["a pull request into ${target} previews ${previewed} in the preview lane, never up, never production".toString()] = {
        assertPreviews(PipelineHarness.run(jenkinsfile, pullRequest(target)), previewed)
    }
    tests["a fork's pull request into ${target} runs in the fork lane: install and test only".toString()] = {
        assertOnlyTests(PipelineHarness.run(jenkinsfile, forkPullRequest(target)))
    }
}
tests['a pull request whose head is a deploying branch still only previews'] = {
    pipeline.deployBranches.keySet().each { String head ->
        assertPreviews(PipelineHarness.run(jenkinsfile, pullRequest('develop', head) + [BRANCH_NAME: 'PR-8']), previewed)
    }
}
tests["any other branch previews ${previewed} in the preview lane and never deploys".toString()] = {
    ['feature/login', 'hotfix-1', 'main', 'masterpiece', 'develop-old'].each { branch ->
        assert !pipeline.deployBranches.containsKey(branch)
        assertPreviews(PipelineHarness.run(jenkinsfile, branchBuild(branch)), previewed)
    }
}
tests['a pull request preview carries Pulumi CI variables tied to the change'] = {
    Step preview = PipelineHarness.run(jenkinsfile, pullRequest('master')).stepRunning('pulumi preview')
    assert preview.env.PULUMI_CI_SYSTEM == 'Jenkins'
    assert preview.env.PULUMI_CI_BUILD_TYPE == 'PullRequest'
    assert preview.env.PULUMI_CI_PULL_REQUEST_SHA == commit
    assert preview.env.PULUMI_CI_BRANCH_NAME == 'feature/login'
    assert preview.env.PULUMI_CI_BUILD_NUMBER == '42'
    assert preview.env.PULUMI_CI_BUILD_URL.contains('/42/')
}
tests['Groovy never handles a credential: the lane\'s pod has them, the shell expands them'] = {
    [branchBuild('master'), branchBuild('develop'), pullRequest('master'), branchBuild('feature/x'), forkPullRequest('master')].each { env ->
        PipelineRun run = PipelineHarness.run(jenkinsfile, env)
        List<String> written = run.shScripts() + run.steps.findAll { it.name == 'echo' }*.args*.toString()
        assert !written.any { it =~ /TOKEN|PASSPHRASE|AWS_|PASSWORD/ }, written
    }
    // The harness has no withCredentials: a Jenkinsfile binding one would fail every run above.
    assert !jenkinsfile.contains('credentialsId') && !jenkinsfile.contains('withCredentials')
}
tests['every pulumi command is non-interactive; up says yes; nothing cancels'] = {
    [branchBuild('master'), pullRequest('develop')].each { env ->
        PipelineHarness.run(jenkinsfile, env).pulumiCommands().each { command ->
            assert command.contains('--non-interactive')
            assert !command.contains('cancel')
            if (command.startsWith('pulumi up')) assert command.contains('--yes')
        }
    }
    assert !jenkinsfile.contains('pulumi cancel')
}
tests['stacks are qualified with the organisation of ci/pulumi-organization'] = {
    assert organization ==~ /[A-Za-z0-9][A-Za-z0-9_.-]*/
    (pipeline.deployBranches.keySet().collect { branchBuild(it) } + [pullRequest('master')]).each { env ->
        PipelineRun run = PipelineHarness.run(jenkinsfile, env)
        assert run.pulumiCommands()
        run.pulumiCommands().each { assert it =~ /--stack ${organization}\/[\w.-]+ / }
        assert run.steps.any { it.name == 'readFile' && it.args == 'ci/pulumi-organization' }
    }
}
tests['up and preview leave the pipeline\'s own rights alone (PipelineAccess is excluded)'] = {
    pipeline.deployBranches.each { String branch, String stack ->
        String up = PipelineHarness.run(jenkinsfile, branchBuild(branch)).pulumiCommands().find { it.startsWith('pulumi up') }
        assert up.endsWith("--exclude 'urn:pulumi:${stack}::xpto-api::xpto:access:PipelineAccess**' --exclude-dependents")
        String preview = PipelineHarness.run(jenkinsfile, pullRequest(branch)).pulumiCommands().find { it.startsWith('pulumi preview') }
        assert preview.contains("--exclude 'urn:pulumi:${previewed}::xpto-api::xpto:access:PipelineAccess**'")
    }
}
tests['options: no concurrent builds, a timeout, bounded history, timestamps'] = {
    PipelineRun run = PipelineHarness.run(jenkinsfile, branchBuild('develop'))
    Map options = run.options.collectEntries { [(it.name): it.args] }
    assert options.containsKey('disableConcurrentBuilds')
    assert options.timeout[0].time > 0 && options.timeout[0].unit == 'MINUTES'
    assert options.buildDiscarder[0].name == 'logRotator' && options.buildDiscarder[0].args[0].numToKeepStr.toInteger() > 0
    assert options.containsKey('timestamps')
}
tests['install and test run npm ci, the Python venv and every suite, publishing JUnit reports'] = {
    PipelineRun run = PipelineHarness.run(jenkinsfile, branchBuild('feature/x'))
    List<String> scripts = run.shScripts()
    assert scripts.contains('npm ci --no-audit --no-fund')
    assert scripts.any { it.contains('python3 -m venv .venv') && it.contains('-r app/requirements-dev.txt') }
    ['npm run typecheck', 'npm run lint', 'npm run test:infra', 'pytest', 'npm run test:jenkinsfile'].each { suite ->
        assert scripts.any { it.contains(suite) }, suite
    }
    assert run.steps.find { it.name == 'junit' }.args.testResults == 'reports/*.xml'
    assert run.stepRunning('cd app').container == 'python'
    assert run.stepRunning('npm run test:jenkinsfile').container == 'groovy'
}
tests['the README\'s branch table is what the Jenkinsfile does, row by row'] = {
    String readme = new File('README.md').text
    String section = readme.substring(readme.indexOf('### Branches, lanes and stacks'))
    List<List<String>> rows = section.readLines().dropWhile { !it.startsWith('|') }.takeWhile { it.startsWith('|') }
        .drop(2).collect { line -> line.split('\\|')*.trim().findAll { it } }
    assert rows*.get(0) == ['`master`', '`develop` or `desenvolvimento`', 'a pull request from a branch of this repository',
        'a pull request from a fork', 'any other branch']
    rows.each { row ->
        String lane = (row[1] =~ /\((\w+) lane\)/).with { it.find() ? it.group(1) : null }
        List<String> stages = row[2].split(',')*.trim()*.capitalize()
        String stackNamed = (row[3] =~ /on `(\w+)`/).with { it.find() ? it.group(1) : null }
        switch (row[0]) {
            case 'a pull request from a branch of this repository':
                assert lane == 'preview'
                assert row[3].startsWith('`pulumi preview --diff` on `develop`, whatever its target')
                ['master', 'develop', 'feature/x'].each { target ->
                    PipelineRun run = PipelineHarness.run(jenkinsfile, pullRequest(target))
                    assert run.stagesRun == stages
                    assertPreviews(run, stackNamed)
                }
                break
            case 'a pull request from a fork':
                assert lane == 'fork'
                assert row[3] == 'none: no credential at all'
                ['master', 'develop'].each { target ->
                    PipelineRun run = PipelineHarness.run(jenkinsfile, forkPullRequest(target))
                    assert run.stagesRun == stages
                    assertOnlyTests(run)
                }
                break
            case 'any other branch':
                assert lane == 'preview'
                assert row[3] == '`pulumi preview` on `develop`; never `up`'
                PipelineRun run = PipelineHarness.run(jenkinsfile, branchBuild('feature/x'))
                assert run.stagesRun == stages
                assertPreviews(run, stackNamed)
                break
            default:
                assert row[3] ==~ /`pulumi up` on `\w+`/
                assert lane == stackNamed, "the ${stackNamed} stack is deployed by its own lane"
                (row[0] =~ /`([^`]+)`/).collect { it[1] }.each { branch ->
                    PipelineRun run = PipelineHarness.run(jenkinsfile, branchBuild(branch))
                    assert run.stagesRun == stages
                    assertDeploys(run, stackNamed)
                }
        }
    }
}

int passed = 0
int failed = 0
tests.each { name, test ->
    try {
        test.call()
        passed++
        println "  ok   ${name}"
    } catch (Throwable err) {
        failed++
        println "  FAIL ${name}\n${err.message?.readLines()?.take(25)?.collect { '       ' + it }?.join('\n')}"
    }
}
println "Jenkinsfile behaviour: ${passed} passed, ${failed} failed"
if (failed > 0) {
    throw new AssertionError("${failed} Jenkinsfile behaviour test(s) failed")
}
