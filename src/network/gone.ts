/** stderr of a delete that found nothing: the namespace was recreated, or it was already undone. */
export const TC_GONE =
  /No such file|Cannot find|Invalid handle|not exist|doesn't exist|handle of zero|Cannot delete qdisc with handle|Filter with specified priority\/protocol not found/i;
export const RULE_GONE =
  /Bad rule|No chain|does a matching rule exist|doesn't exist|does not exist|No such file/i;
