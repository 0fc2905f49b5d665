/** DreamBooth-style personalization with any adapter (issue 8). */
package dev.spectune.training;
