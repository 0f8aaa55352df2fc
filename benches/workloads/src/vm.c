/* A stack-machine bytecode interpreter: the `switch` in its dispatch loop becomes a
 * br_table, and every guest instruction is a few loads, stores and an indirect
 * branch. The guest program counts primes below n by trial division. */
#include "common.h"

enum {
    OP_PUSH, /* imm: push imm */
    OP_LOAD, /* var: push vars[var] */
    OP_STORE, /* var: pop into vars[var] */
    OP_INC, /* var: vars[var] += 1 */
    OP_ADD,
    OP_SUB,
    OP_MUL,
    OP_MOD,
    OP_XOR,
    OP_LT,
    OP_DUP,
    OP_JZ, /* target: pop, jump if zero */
    OP_JMP, /* target */
    OP_HALT, /* pop the result */
};

#define MAX_CODE 128
static i32 code[MAX_CODE];
static i32 code_len;

static i32 emit(i32 op) {
    code[code_len] = op;
    return code_len++;
}

static i32 emit1(i32 op, i32 arg) {
    i32 at = emit(op);
    emit(arg);
    return at;
}

/* Assembles the guest program. Forward jumps are emitted with a placeholder and
 * patched once the target is known. */
static void assemble(void) {
    enum { LIMIT, I, J, COUNT, ACC };
    code_len = 0;
    emit1(OP_PUSH, 2);
    emit1(OP_STORE, I);
    i32 outer = code_len;
    emit1(OP_LOAD, I);
    emit1(OP_LOAD, LIMIT);
    emit(OP_LT);
    i32 to_end = emit1(OP_JZ, -1);
    emit1(OP_PUSH, 2);
    emit1(OP_STORE, J);
    i32 inner = code_len;
    /* if i < j*j, i is prime */
    emit1(OP_LOAD, I);
    emit1(OP_LOAD, J);
    emit(OP_DUP);
    emit(OP_MUL);
    emit(OP_LT);
    i32 to_check = emit1(OP_JZ, -1);
    i32 to_prime = emit1(OP_JMP, -1);
    code[to_check + 1] = code_len;
    /* if i % j == 0, i is composite */
    emit1(OP_LOAD, I);
    emit1(OP_LOAD, J);
    emit(OP_MOD);
    i32 to_composite = emit1(OP_JZ, -1);
    emit1(OP_INC, J);
    emit1(OP_JMP, inner);
    code[to_prime + 1] = code_len;
    emit1(OP_INC, COUNT);
    emit1(OP_LOAD, ACC);
    emit1(OP_LOAD, I);
    emit(OP_XOR);
    emit1(OP_PUSH, 3);
    emit(OP_MUL);
    emit1(OP_STORE, ACC);
    code[to_composite + 1] = code_len;
    emit1(OP_INC, I);
    emit1(OP_JMP, outer);
    code[to_end + 1] = code_len;
    emit1(OP_LOAD, COUNT);
    emit1(OP_PUSH, 1000000);
    emit(OP_MUL);
    emit1(OP_LOAD, ACC);
    emit(OP_ADD);
    emit(OP_HALT);
}

static NOINLINE i32 execute(i32 limit) {
    i32 stack[16];
    i32 vars[8] = {limit};
    i32 sp = 0, pc = 0;
    for (;;) {
        i32 op = code[pc++];
        switch (op) {
        case OP_PUSH: stack[sp++] = code[pc++]; break;
        case OP_LOAD: stack[sp++] = vars[code[pc++]]; break;
        case OP_STORE: vars[code[pc++]] = stack[--sp]; break;
        case OP_INC: vars[code[pc++]] += 1; break;
        case OP_ADD: sp--; stack[sp - 1] += stack[sp]; break;
        case OP_SUB: sp--; stack[sp - 1] -= stack[sp]; break;
        case OP_MUL: sp--; stack[sp - 1] *= stack[sp]; break;
        case OP_MOD: sp--; stack[sp - 1] = (i32)((u32)stack[sp - 1] % (u32)stack[sp]); break;
        case OP_XOR: sp--; stack[sp - 1] ^= stack[sp]; break;
        case OP_LT: sp--; stack[sp - 1] = stack[sp - 1] < stack[sp]; break;
        case OP_DUP: stack[sp] = stack[sp - 1]; sp++; break;
        case OP_JZ: {
            i32 target = code[pc++];
            if (stack[--sp] == 0) pc = target;
            break;
        }
        case OP_JMP: pc = code[pc]; break;
        case OP_HALT: return stack[--sp];
        default: __builtin_trap();
        }
    }
}

i64 run(i32 n) {
    assemble();
    return execute(n);
}
