import org.codehaus.groovy.control.CompilerConfiguration

/**
 * Runs a declarative Jenkinsfile as plain Groovy, the way JenkinsPipelineUnit
 * does: the pipeline keywords and steps are bound to recorders, `when`
 * conditions are evaluated as Jenkins documents them, and every step that
 * would run is recorded with its context (container, env).
 */
class PipelineHarness {
    static PipelineRun run(String jenkinsfile, Map<String, String> env) {
        CompilerConfiguration config = new CompilerConfiguration()
        config.scriptBaseClass = PipelineScript.name
        GroovyShell shell = new GroovyShell(PipelineHarness.classLoader, new Binding(), config)
        PipelineScript script = (PipelineScript) shell.parse(jenkinsfile, 'Jenkinsfile')
        PipelineRun run = new PipelineRun(env: new LinkedHashMap<String, String>(env))
        script.run = run
        script.run()
        return run
    }
}

class Step {
    String name
    Object args
    String container
    Map<String, String> env
}

class PipelineRun {
    Map<String, String> env
    Map<String, Object> agent = [:]
    List<Map> options = []
    Map<String, Object> environment = [:]
    List<String> stagesRun = []
    List<Step> steps = []

    List<Step> sh() { steps.findAll { it.name == 'sh' } }
    List<String> shScripts() { sh()*.args.collect { it instanceof Map ? it.script.toString() : it.toString() } }
    /** The login wrapper the Jenkinsfile runs every Pulumi command through: `ci/with-pulumi-login.sh STACK COMMAND…`. */
    static final String LOGIN = 'ci/with-pulumi-login.sh '

    /** A script as it runs, without the login wrapper. */
    static String unwrapped(String script) { script.startsWith(LOGIN) ? script.substring(LOGIN.length()).split(' ', 2)[1] : script }

    List<String> pulumiCommands() { shScripts().findAll { it.startsWith(LOGIN) }*.with { unwrapped(it) } }
    /** The stack each Pulumi command logged in for. */
    List<String> loginStacks() { shScripts().findAll { it.startsWith(LOGIN) }.collect { it.substring(LOGIN.length()).split(' ', 2)[0] } }
    Step stepRunning(String prefix) {
        sh().find { unwrapped((it.args instanceof Map ? it.args.script : it.args).toString()).startsWith(prefix) }
    }
}

/** A view of the environment that Jenkinsfile code reads as `env.NAME`. */
class EnvView {
    private final Closure<Map<String, String>> current
    EnvView(Closure<Map<String, String>> current) { this.current = current }
    Object propertyMissing(String name) { current.call()[name] }
    Object getProperty(String name) { current.call()[name] }
}

abstract class PipelineScript extends Script {
    PipelineRun run
    // Not private: closures of the Jenkinsfile (a subclass) reach these.
    protected final List<String> containers = []
    protected final List<Map<String, String>> envLayers = []

    Map<String, String> currentEnv() {
        Map<String, String> merged = new LinkedHashMap<>(run.env)
        run.environment.each { k, v -> merged[k] = v?.toString() }
        envLayers.each { merged.putAll(it) }
        return merged
    }

    EnvView getEnv() { new EnvView({ currentEnv() }) }

    protected void record(String name, Object args) {
        run.steps << new Step(name: name, args: args, container: containers ? containers.last() : run.agent.defaultContainer, env: currentEnv())
    }

    static Object within(Object delegate, Closure body) {
        Closure copy = (Closure) body.clone()
        copy.delegate = delegate
        copy.resolveStrategy = Closure.DELEGATE_FIRST
        return copy.call()
    }

    // --- declarative structure ---------------------------------------------

    void pipeline(Closure body) {
        PipelineSpec spec = new PipelineSpec(run: run)
        within(spec, body)
        for (StageSpec stage : spec.stages) {
            if (stage.when != null && !stage.when.call(currentEnv())) {
                continue
            }
            run.stagesRun << stage.name
            try {
                stage.steps?.call()
            } finally {
                stage.postAlways?.call()
            }
        }
    }

    // --- steps ---------------------------------------------------------------

    /** The digest a stand-in ci/build-image.sh reports, as the real one does, in .image-digest. */
    static final String BUILT_DIGEST = 'sha256:' + 'ab' * 32
    /** Files the build wrote into its workspace (only what ci/build-image.sh writes). */
    protected final Map<String, String> written = [:]

    void sh(Object args) {
        record('sh', args)
        if (args.toString().startsWith('ci/build-image.sh ')) {
            written['.image-digest'] = BUILT_DIGEST + '\n'
        }
    }
    /** Files the build wrote, else files of the checkout, relative to the repository root (where the tests run). */
    String readFile(String path) { record('readFile', path); written.containsKey(path) ? written[path] : new File(path).text }
    void echo(String message) { record('echo', message) }
    void junit(Object args) { record('junit', args) }

    Object script(Closure body) { body.call() }

    void container(String name, Closure body) {
        containers << name
        try { body.call() } finally { containers.removeLast() }
    }


    void withEnv(List<String> pairs, Closure body) {
        Map<String, String> values = pairs.collectEntries { String pair ->
            int at = pair.indexOf('=')
            [(pair.substring(0, at)): pair.substring(at + 1)]
        }
        envLayers << values
        try { body.call() } finally { envLayers.removeLast() }
    }
}

class PipelineSpec {
    PipelineRun run
    List<StageSpec> stages = []

    void agent(Closure body) {
        PipelineScript.within(new AgentSpec(run: run), body)
    }

    void options(Closure body) {
        PipelineScript.within(new OptionsSpec(run: run), body)
    }

    void environment(Closure body) {
        PipelineScript.within(new EnvironmentSpec(run: run), body)
    }

    void stages(Closure body) {
        StagesSpec spec = new StagesSpec()
        PipelineScript.within(spec, body)
        stages.addAll(spec.stages)
    }
}

class AgentSpec {
    PipelineRun run
    void kubernetes(Closure body) {
        run.agent.kind = 'kubernetes'
        PipelineScript.within(this, body)
    }
    void cloud(String name) { run.agent.cloud = name }
    void yamlFile(String path) { run.agent.yamlFile = path }
    void defaultContainer(String name) { run.agent.defaultContainer = name }
}

class OptionsSpec {
    PipelineRun run
    Object methodMissing(String name, Object args) {
        Object[] values = (Object[]) args
        Map option = [name: name, args: values.toList()]
        // Options nested in options, such as logRotator inside buildDiscarder, are values, not options.
        if (name in ['logRotator']) {
            return option
        }
        run.options << option
        return option
    }
}

class EnvironmentSpec {
    PipelineRun run
    void propertyMissing(String name, Object value) { run.environment[name] = value }
    Object propertyMissing(String name) { run.env[name] }
}

class StagesSpec {
    List<StageSpec> stages = []
    void stage(String name, Closure body) {
        StageSpec spec = new StageSpec(name: name)
        PipelineScript.within(spec, body)
        stages << spec
    }
}

class StageSpec {
    String name
    Closure<Boolean> when
    Closure steps
    Closure postAlways

    void when(Closure body) {
        List<Closure<Boolean>> conditions = WhenSpec.conditionsOf(body)
        when = { Map env -> conditions.every { it.call(env) } }
    }
    void steps(Closure body) { steps = body }
    void post(Closure body) { PipelineScript.within(new PostSpec(stage: this), body) }
}

class PostSpec {
    StageSpec stage
    void always(Closure body) { stage.postAlways = body }
}

/** The `when` condition the Jenkinsfile uses: `expression`, evaluated when the stage is reached. */
class WhenSpec {
    List<Closure<Boolean>> conditions = []

    static List<Closure<Boolean>> conditionsOf(Closure body) {
        WhenSpec spec = new WhenSpec()
        PipelineScript.within(spec, body)
        return spec.conditions
    }

    /** Evaluated with the pipeline's script and env in scope. */
    void expression(Closure<Boolean> body) {
        conditions << { Map env -> body.call() as boolean }
    }
}
