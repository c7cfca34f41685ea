// Vitest set-up: DOM matchers are plain assertions here; clean the DOM between tests.
import { cleanup } from "@testing-library/react";
import { afterEach } from "vitest";

afterEach(() => cleanup());
