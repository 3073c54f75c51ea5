import type { NetnsRunner } from '../../src/network/netns-runner.js';

/**
 * Records every command a runner runs in a namespace, as its argv, in `ran`: a command, a talk's look,
 * and the follow-up a talk was answered with (each is what one process on its own would have run).
 */
export function recordCommands<R extends NetnsRunner>(runner: R, ran: string[][]): R {
  const run = runner.run.bind(runner);
  runner.run = (target, argv, options) => {
    ran.push([...argv]);
    return run(target, argv, options);
  };
  const talk = runner.talk?.bind(runner);
  if (talk)
    runner.talk = async (target, look, then) => {
      ran.push([...look]);
      const opened = await talk(target, look, then);
      return {
        look: opened.look,
        answer: (choice, input) => {
          ran.push([...(then[choice] ?? [])]);
          return opened.answer(choice, input);
        },
        end: () => opened.end(),
      };
    };
  return runner;
}
