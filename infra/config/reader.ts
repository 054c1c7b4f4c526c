// Reads a stack's raw values through the key table and collects every
// problem, each naming the full key and what it accepts, so an operator
// fixes the stack file in one pass.
import * as pulumi from "@pulumi/pulumi";
import {
    type ConfigKey, fullKey, isConfigKey, isSecret, type PlainKey, type Role, SETTINGS, type SecretKey, type ValueOf,
} from "./settings";
import type { RawStackConfig } from "./types";
import type { Accepts } from "./values";

export class SettingsReader {
    readonly problems: string[] = [];

    constructor(readonly raw: RawStackConfig) {
        for (const key of Object.keys(raw.values).filter((k) => !isConfigKey(k))) {
            this.problems.push(`${fullKey(key)} is not a known setting; known settings: ${Object.keys(SETTINGS).join(", ")}`);
        }
    }

    /** Names every key set here that only a stack of the other role reads. */
    checkRole(role: Role): void {
        const given = [...Object.keys(this.raw.values), ...Object.keys(this.raw.secrets)].filter(isConfigKey);
        for (const key of given) {
            const owner = SETTINGS[key].role;
            if (owner !== "shared" && owner !== role) {
                this.problems.push(`${fullKey(key)} is a setting of a stack whose ${fullKey("role")} is ${owner}; this one's is ${role}`);
            }
        }
    }

    /** The value set, else the key table's default, else `unset` (a default that depends on the stack). */
    private text(key: PlainKey, unset?: string): string | undefined {
        const given = this.raw.values[key];
        if (given !== undefined && given !== "") return given;
        const setting = SETTINGS[key];
        return (isSecret(setting) ? undefined : setting.default) ?? unset;
    }

    /**
     * A value the stack must have. A missing or refused one is a problem, and
     * reads as undefined; `accepts` narrows the key table's rule where the
     * stack's other values do.
     */
    required<K extends PlainKey>(key: K, options: { unset?: string; accepts?: Accepts<ValueOf<K>> } = {}): ValueOf<K> | undefined {
        const accepts = options.accepts ?? this.accepts(key);
        const text = this.text(key, options.unset);
        if (text === undefined) {
            this.fail(key, accepts.expected);
            return undefined;
        }
        return this.check(key, text, accepts);
    }

    /** A value the stack may leave unset. */
    optional<K extends PlainKey>(key: K, accepts?: Accepts<ValueOf<K>>): ValueOf<K> | undefined {
        const text = this.text(key);
        return text === undefined ? undefined : this.check(key, text, accepts ?? this.accepts(key));
    }

    /** A secret the stack must have, with the command that sets it. */
    requiredSecret(key: SecretKey, why: string): pulumi.Output<string> {
        const secret = this.raw.secrets[key];
        if (secret === undefined) {
            this.problem(`${fullKey(key)} is required ${why}: run \`pulumi config set --secret ${key}\``);
            return pulumi.secret("");
        }
        return secret;
    }

    /** A value that breaks a rule between settings: `expected` says what it should be. */
    fail(key: ConfigKey, expected: string): void {
        const given = this.raw.values[key];
        this.problems.push(given === undefined || given === ""
            ? `${fullKey(key)} is required: set it to ${expected}`
            : `${fullKey(key)} is "${given}"; expected ${expected}`);
    }

    problem(text: string): void {
        this.problems.push(text);
    }

    private accepts<K extends PlainKey>(key: K): Accepts<ValueOf<K>> {
        return (SETTINGS[key] as { accepts: Accepts<ValueOf<K>> }).accepts;
    }

    private check<T>(key: PlainKey, text: string, accepts: Accepts<T>): T | undefined {
        const parsed = accepts.schema.safeParse(text);
        if (parsed.success) return parsed.data;
        this.fail(key, accepts.expected);
        return undefined;
    }
}
