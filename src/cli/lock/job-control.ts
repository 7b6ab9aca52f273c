/**
 * Job control (Ctrl-Z, `fg`/`bg`) for the lock command. The child's group is in a session of its
 * own, so the terminal's SIGTSTP reaches only consul-lock: on SIGTSTP it stops the child's group,
 * then itself, as the shell expects; on SIGCONT it wakes the group again. While consul-lock is
 * stopped it cannot renew its session: a stop longer than the TTL loses the lock, and the
 * command is then stopped when consul-lock continues.
 */
import type { ChildGroup } from './child.js'
import type { Output } from './output.js'

export function watchJobControl(
  childGroup: () => ChildGroup | undefined,
  output: Output,
  target: Pick<NodeJS.Process, 'on' | 'off' | 'kill' | 'pid'> = process,
): () => void {
  const suspend = () => {
    output.info('SIGTSTP: stopping the child process group, then consul-lock')
    childGroup()?.forward('SIGSTOP')
    // Our SIGTSTP listener replaced the default action (stop): take it ourselves.
    target.kill(target.pid, 'SIGSTOP')
  }
  const resume = () => {
    output.info('SIGCONT: continuing the child process group')
    childGroup()?.forward('SIGCONT')
  }
  target.on('SIGTSTP', suspend)
  target.on('SIGCONT', resume)
  return () => {
    target.off('SIGTSTP', suspend)
    target.off('SIGCONT', resume)
  }
}
