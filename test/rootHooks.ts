import { removeScratchDirs } from "./scratch";

// Prints the infra suite's wall time: it should stay at a few seconds.
let started = 0;

export const mochaHooks = {
    beforeAll(): void {
        started = Date.now();
    },
    afterAll(): void {
        removeScratchDirs();
        console.log(`\n  infra unit tests wall time: ${((Date.now() - started) / 1000).toFixed(1)} s`);
    },
};
