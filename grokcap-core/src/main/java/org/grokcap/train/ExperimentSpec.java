package org.grokcap.train;

import org.grokcap.config.TrainConfig;

import org.grokcap.config.ConfigException;

import org.grokcap.config.Check;

import org.grokcap.data.TaskSpec;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import org.grokcap.model.ModelConfig;

/**
 * One experiment: a task, a model and how to train it. Immutable and validated on construction;
 * read from a file with {@link ConfigLoader}.
 *
 * @param name  a short name, used for run directories; default the config file's name
 * @param task  the data
 * @param model the transformer (sizes the task dictates may be left out)
 * @param train the training loop
 */
@JsonPropertyOrder({"name", "task", "model", "train"})
public record ExperimentSpec(String name, TaskSpec task, ModelConfig model, TrainConfig train) {
    public ExperimentSpec {
        if (name != null && !name.matches("[A-Za-z0-9._-]{1,100}")) {
            throw new ConfigException("name", name, "use 1-100 letters, digits, '.', '_' or '-'");
        }
        Check.present("task", task);
        model = model == null ? new ModelConfig(null, null, null, null, null, null, null, null, null, null, null,
                null, null, null) : model;
        train = train == null ? TrainConfig.defaults() : train;
    }

    public ExperimentSpec withName(String newName) {
        return new ExperimentSpec(newName, task, model, train);
    }

    public ExperimentSpec withTask(TaskSpec newTask) {
        return new ExperimentSpec(name, newTask, model, train);
    }

    public ExperimentSpec withModel(ModelConfig newModel) {
        return new ExperimentSpec(name, task, newModel, train);
    }

    public ExperimentSpec withTrain(TrainConfig newTrain) {
        return new ExperimentSpec(name, task, model, newTrain);
    }
}
